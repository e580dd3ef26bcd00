// Gradient check: softmax output with mean square loss (softmax's own
// vector-Jacobian product, no fusion).
net.model @grad_softmax_mse {
  %x = net.input_data shape [?, 3]
  %y = net.fully_connected %x units 4 activation softmax
  net.regression %y optimizer sgd learning_rate 0.1 loss mean_square
}
