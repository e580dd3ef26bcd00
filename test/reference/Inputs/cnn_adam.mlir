// A small version of the tutorial's CNN: conv/pool twice (the second pool
// pads bottom/right, TensorFlow's `same`), dense relu, softmax, Adam.
net.model @cnn_adam {
  %x = net.input_data shape [?, 6, 6, 2]
  %c1 = net.conv_2d %x filters 3 size 3 activation relu
  %p1 = net.max_pool_2d %c1 size 2
  %c2 = net.conv_2d %p1 filters 4 size 3 activation relu
  %p2 = net.max_pool_2d %c2 size 2
  %f1 = net.fully_connected %p2 units 8 activation relu
  %f2 = net.fully_connected %f1 units 3 activation softmax
  net.regression %f2 optimizer adam learning_rate 0.01 loss categorical_crossentropy
}
