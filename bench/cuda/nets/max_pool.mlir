// Per-op check: max pooling 2x2 and 3x3/2 SAME (asymmetric).
net.model @max_pool {
  %x = net.input_data shape [?, 32, 32, 3]
  %c = net.conv_2d %x filters 8 size 3 activation relu
  %p1 = net.max_pool_2d %c size 2
  %p2 = net.max_pool_2d %p1 size 3 strides 2
  %y = net.fully_connected %p2 units 10
  net.regression %y optimizer sgd learning_rate 0.01 loss mean_square
}
