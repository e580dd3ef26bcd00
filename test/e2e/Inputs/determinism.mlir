// Determinism check: Adam (stateful) on a small classifier.
net.model @determinism {
  %x = net.input_data shape [?, 4]
  %h = net.fully_connected %x units 8 activation relu weights_init uniform_scaling
  %y = net.fully_connected %h units 3 activation softmax
  net.regression %y optimizer adam learning_rate 0.01 loss categorical_crossentropy
}
