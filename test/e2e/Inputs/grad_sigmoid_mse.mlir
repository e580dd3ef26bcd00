// Gradient check: sigmoid hidden and output layers, mean square loss (the
// sigmoid is differentiated on its own, not fused into the loss).
net.model @grad_sigmoid_mse {
  %x = net.input_data shape [?, 3]
  %h = net.fully_connected %x units 4 activation sigmoid
  %y = net.fully_connected %h units 2 activation sigmoid
  net.regression %y optimizer sgd learning_rate 0.1 loss mean_square
}
