// Per-op check: 3x3 VALID convolutions, stride 1 and 2.
net.model @conv_valid {
  %x = net.input_data shape [?, 32, 32, 3]
  %c1 = net.conv_2d %x filters 8 size 3 padding valid activation relu
  %c2 = net.conv_2d %c1 filters 8 size 3 strides 2 padding valid activation relu
  %y = net.fully_connected %c2 units 10
  net.regression %y optimizer sgd learning_rate 0.01 loss mean_square
}
