// Optimizer check: clip_norm 0 disables clipping, even for large gradients.
net.model @opt_noclip {
  %x = net.input_data shape [?, 3]
  %h = net.fully_connected %x units 4 activation tanh
  %y = net.fully_connected %h units 2
  net.regression %y optimizer sgd learning_rate 0.01 loss mean_square clip_norm 0.0
}
