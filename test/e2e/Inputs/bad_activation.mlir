// An unknown activation.
net.model @bad_activation {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 1 activation swish
  net.regression %y optimizer sgd learning_rate 2.0 loss mean_square
}
