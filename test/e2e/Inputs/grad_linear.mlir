// Gradient check: one linear layer, mean square loss.
net.model @grad_linear {
  %x = net.input_data shape [?, 3]
  %y = net.fully_connected %x units 2
  net.regression %y optimizer sgd learning_rate 0.1 loss mean_square
}
