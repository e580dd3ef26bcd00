// binary_crossentropy on a batch-normalized sigmoid: beta and gamma can move
// the outputs out of [1e-7, 1 - 1e-7], where the clamped loss is flat.
net.model @clamped_bce {
  %x = net.input_data shape [?, 1]
  %h = net.fully_connected %x units 1 activation sigmoid
  %y = net.batch_normalization %h
  net.regression %y optimizer sgd learning_rate 0.1 loss binary_crossentropy clip_norm 0.0
}
