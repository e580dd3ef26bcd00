// A layer without its input.
net.model @broken {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected units 1 activation sigmoid
  net.regression %y optimizer sgd learning_rate 2.0 loss mean_square
}
