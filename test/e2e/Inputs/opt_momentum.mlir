// Optimizer check: momentum with a non-default coefficient, and L2 on the
// hidden layer (the update uses the gradient including wd * W).
net.model @opt_momentum {
  %x = net.input_data shape [?, 3]
  %h = net.fully_connected %x units 4 activation tanh regularizer L2 weight_decay 0.1
  %y = net.fully_connected %h units 2
  net.regression %y optimizer momentum learning_rate 0.3 loss mean_square momentum 0.7
}
