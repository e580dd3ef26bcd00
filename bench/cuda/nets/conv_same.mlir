// Per-op check: 3x3 SAME convolution (symmetric padding) on 32x32x3.
net.model @conv_same {
  %x = net.input_data shape [?, 32, 32, 3]
  %c = net.conv_2d %x filters 8 size 3 activation relu
  %y = net.fully_connected %c units 10
  net.regression %y optimizer sgd learning_rate 0.01 loss mean_square
}
