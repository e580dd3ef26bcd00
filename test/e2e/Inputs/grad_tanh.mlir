// Gradient check: tanh hidden layer, linear output, mean square loss.
net.model @grad_tanh {
  %x = net.input_data shape [?, 4]
  %h = net.fully_connected %x units 5 activation tanh
  %y = net.fully_connected %h units 2
  net.regression %y optimizer sgd learning_rate 0.1 loss mean_square
}
