// A layer of zero units.
net.model @zero_units {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 0 activation sigmoid
  net.regression %y optimizer sgd learning_rate 2.0 loss mean_square
}
