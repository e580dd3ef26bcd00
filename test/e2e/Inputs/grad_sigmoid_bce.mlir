// Gradient check: sigmoid output with binary cross-entropy (fused into the
// logits form max(z,0) - z t + log1p(exp(-|z|))).
net.model @grad_sigmoid_bce {
  %x = net.input_data shape [?, 4]
  %y = net.fully_connected %x units 3 activation sigmoid
  net.regression %y optimizer sgd learning_rate 0.1 loss binary_crossentropy
}
