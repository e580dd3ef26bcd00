// Gradient check: softmax output with categorical cross-entropy (fused into
// the logits form by the compiler).
net.model @grad_softmax_cce {
  %x = net.input_data shape [?, 4]
  %h = net.fully_connected %x units 5 activation tanh
  %y = net.fully_connected %h units 3 activation softmax
  net.regression %y optimizer sgd learning_rate 0.1 loss categorical_crossentropy
}
