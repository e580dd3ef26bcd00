// Optimizer check: Adam with non-default hyper-parameters (TensorFlow's
// formulation: epsilon added to sqrt(v), bias correction folded into lr_t).
net.model @opt_adam {
  %x = net.input_data shape [?, 3]
  %h = net.fully_connected %x units 4 activation sigmoid
  %y = net.fully_connected %h units 3 activation softmax
  net.regression %y optimizer adam learning_rate 0.05 loss categorical_crossentropy beta1 0.8 beta2 0.9 epsilon 1.0e-4
}
