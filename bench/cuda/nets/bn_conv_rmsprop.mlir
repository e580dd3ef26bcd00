// Per-op check: batch normalization of a convolution's channels and of a
// dense layer's units, tanh, sigmoid with binary cross-entropy, L2 on a
// convolution, rmsprop with a decaying learning rate.
net.model @bn_conv_rmsprop {
  %x = net.input_data shape [?, 12, 12, 3]
  %c = net.conv_2d %x filters 8 size 3 regularizer L2 weight_decay 0.01
  %n = net.batch_normalization %c
  %p = net.max_pool_2d %n size 2
  %h = net.fully_connected %p units 16 activation tanh
  %m = net.batch_normalization %h
  %y = net.fully_connected %m units 4 activation sigmoid
  net.regression %y optimizer rmsprop learning_rate 0.01 loss binary_crossentropy lr_decay 0.5 decay_step 2
}
