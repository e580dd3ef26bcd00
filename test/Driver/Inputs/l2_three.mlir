// L2 on a 3-element weight (two threads, one taking the third element).
net.model @l2_three {
  %x = net.input_data shape [?, 3]
  %y = net.fully_connected %x units 1 activation sigmoid regularizer L2 weight_decay 0.1
  net.regression %y optimizer adam learning_rate 0.01 loss binary_crossentropy
}
