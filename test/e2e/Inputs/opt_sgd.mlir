// Optimizer check: plain SGD (clip_norm left at its default 5.0).
net.model @opt_sgd {
  %x = net.input_data shape [?, 3]
  %h = net.fully_connected %x units 4 activation tanh
  %y = net.fully_connected %h units 2
  net.regression %y optimizer sgd learning_rate 0.5 loss mean_square
}
