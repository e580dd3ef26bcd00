// A syntax error: the closing bracket of the shape is missing.
net.model @bad_syntax {
  %x = net.input_data shape [?, 2
  %y = net.fully_connected %x units 1 activation sigmoid
  net.regression %y optimizer sgd learning_rate 2.0 loss mean_square
}
