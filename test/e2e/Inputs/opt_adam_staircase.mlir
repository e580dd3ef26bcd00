// Optimizer check: Adam with a staircase learning-rate decay.
net.model @opt_adam_staircase {
  %x = net.input_data shape [?, 3]
  %h = net.fully_connected %x units 4 activation sigmoid
  %y = net.fully_connected %h units 3 activation softmax
  net.regression %y optimizer adam learning_rate 0.05 loss categorical_crossentropy beta1 0.8 beta2 0.9 epsilon 1.0e-4 lr_decay 0.25 decay_step 2 staircase
}
