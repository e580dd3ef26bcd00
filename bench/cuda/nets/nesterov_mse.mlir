// Per-op check: dropout before a dense layer, sigmoid hidden units, mean
// square loss with nesterov momentum and no gradient clipping.
net.model @nesterov_mse {
  %x = net.input_data shape [?, 20]
  %d = net.dropout %x keep 0.8
  %h = net.fully_connected %d units 32 activation sigmoid
  %y = net.fully_connected %h units 3 activation softmax
  net.regression %y optimizer nesterov learning_rate 0.1 loss mean_square clip_norm 0.0
}
