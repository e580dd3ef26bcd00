// Per-op check: batch normalization of the input, relu, adagrad,
// categorical cross-entropy on a softmax.
net.model @adagrad_bn_input {
  %x = net.input_data shape [?, 6, 6, 2]
  %n = net.batch_normalization %x
  %c = net.conv_2d %n filters 4 size 2 activation relu
  %y = net.fully_connected %c units 3 activation softmax
  net.regression %y optimizer adagrad learning_rate 0.1 loss categorical_crossentropy
}
