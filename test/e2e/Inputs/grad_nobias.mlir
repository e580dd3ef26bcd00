// Gradient check: a hidden layer without bias.
net.model @grad_nobias {
  %x = net.input_data shape [?, 4]
  %h = net.fully_connected %x units 5 activation sigmoid bias false
  %y = net.fully_connected %h units 2
  net.regression %y optimizer sgd learning_rate 0.1 loss mean_square
}
