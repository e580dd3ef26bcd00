// Gradient check: L2 weight decay on both layers (weights only, not biases);
// the loss M_gradient returns includes wd * sum(W^2) / 2.
net.model @grad_l2 {
  %x = net.input_data shape [?, 3]
  %h = net.fully_connected %x units 4 activation tanh regularizer L2 weight_decay 0.05
  %y = net.fully_connected %h units 2 regularizer L2 weight_decay 0.2
  net.regression %y optimizer sgd learning_rate 0.1 loss mean_square
}
