// relu hidden layer, sigmoid output with binary cross-entropy, momentum, and
// a clip norm small enough to be active.
net.model @bce_momentum_clip {
  %x = net.input_data shape [?, 3]
  %h = net.fully_connected %x units 5 activation relu
  %y = net.fully_connected %h units 1 activation sigmoid
  net.regression %y optimizer momentum learning_rate 0.1 loss binary_crossentropy momentum 0.9 clip_norm 0.05
}
