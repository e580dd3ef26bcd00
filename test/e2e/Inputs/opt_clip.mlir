// Optimizer check: global-norm gradient clipping at 1.0 with SGD.
net.model @opt_clip {
  %x = net.input_data shape [?, 3]
  %h = net.fully_connected %x units 4 activation tanh
  %y = net.fully_connected %h units 2
  net.regression %y optimizer sgd learning_rate 0.5 loss mean_square clip_norm 1.0
}
