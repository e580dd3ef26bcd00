// binary_crossentropy on a softmax (not fused, unlike a sigmoid): a large
// logit gap puts both outputs outside [1e-7, 1 - 1e-7], where the clamped
// loss is flat.
net.model @clamped_bce {
  %x = net.input_data shape [?, 1]
  %y = net.fully_connected %x units 2 activation softmax bias false
  net.regression %y optimizer sgd learning_rate 0.1 loss binary_crossentropy clip_norm 0.0
}
