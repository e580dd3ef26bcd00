// Per-op check: softmax cross-entropy on the logits of a linear layer,
// momentum, L2 on a dense layer, average pooling with stride 1, a
// convolution with stride 2.
net.model @momentum_logits {
  %x = net.input_data shape [?, 10, 10, 4]
  %c = net.conv_2d %x filters 6 size 3 strides 2 activation relu
  %p = net.avg_pool_2d %c size 3 strides 1
  %h = net.fully_connected %p units 12 activation tanh regularizer L2 weight_decay 0.05
  %y = net.fully_connected %h units 5
  net.regression %y optimizer momentum learning_rate 0.05 loss softmax_categorical_crossentropy momentum 0.7
}
