// tensorboard_verbose 3 (ActivationsTest.cpp): the layers TFLearn summarizes,
// conv_2d, max_pool_2d and two fully_connected, with relus whose zeros the
// Sparsity scalars count.
net.model @acts_cnn {
  %x = net.input_data shape [?, 6, 6, 1]
  %c = net.conv_2d %x filters 2 size 3 activation relu
  %p = net.max_pool_2d %c size 2
  %h = net.fully_connected %p units 4 activation relu
  %d = net.dropout %h keep 0.5
  %y = net.fully_connected %d units 3 activation softmax
  net.regression %y optimizer sgd learning_rate 0.1 loss categorical_crossentropy
}
