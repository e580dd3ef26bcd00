// tanh hidden layer with L2, softmax output, categorical cross-entropy, Adam.
net.model @softmax_adam_l2 {
  %x = net.input_data shape [?, 2]
  %h = net.fully_connected %x units 4 activation tanh regularizer L2 weight_decay 0.01
  %y = net.fully_connected %h units 3 activation softmax
  net.regression %y optimizer adam learning_rate 0.01 loss categorical_crossentropy
}
