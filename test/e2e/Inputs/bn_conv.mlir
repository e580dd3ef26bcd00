// Batch normalization of a convolution's channels (BatchNormTest.cpp).
net.model @bn_conv {
  %x = net.input_data shape [?, 4, 4, 2]
  %c = net.conv_2d %x filters 3 size 3
  %n = net.batch_normalization %c
  %y = net.fully_connected %n units 2 activation tanh
  net.regression %y optimizer sgd learning_rate 0.1 loss mean_square
}
