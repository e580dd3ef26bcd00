// Per-op check: 3x3 SAME convolution with stride 2 on an even input
// (TensorFlow pads 0 rows at the top and 1 at the bottom).
net.model @conv_stride2 {
  %x = net.input_data shape [?, 32, 32, 3]
  %c = net.conv_2d %x filters 8 size 3 strides 2 activation relu
  %y = net.fully_connected %c units 10
  net.regression %y optimizer sgd learning_rate 0.01 loss mean_square
}
