// The OR network with L2 on its 2-element weight: the GPU's weight-decay
// pass gets two threads, not one (whose loop would stay on the host).
net.model @l2_two {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 1 activation sigmoid regularizer L2 weight_decay 0.01
  net.regression %y optimizer sgd learning_rate 2.0 loss mean_square
}
