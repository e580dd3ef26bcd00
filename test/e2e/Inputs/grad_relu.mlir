// Gradient check: relu hidden layer, linear output, mean square loss. The
// test picks data whose pre-activations stay away from relu's kink at 0.
net.model @grad_relu {
  %x = net.input_data shape [?, 4]
  %h = net.fully_connected %x units 6 activation relu
  %y = net.fully_connected %h units 2
  net.regression %y optimizer sgd learning_rate 0.1 loss mean_square
}
