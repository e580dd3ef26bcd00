// Gradient check: binary cross-entropy on a prediction that is not a
// sigmoid (a softmax, so it stays in (0, 1)): the clamped form, not fused.
net.model @grad_softmax_bce {
  %x = net.input_data shape [?, 4]
  %y = net.fully_connected %x units 3 activation softmax
  net.regression %y optimizer sgd learning_rate 0.1 loss binary_crossentropy
}
