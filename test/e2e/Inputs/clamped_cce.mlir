// categorical_crossentropy on a sigmoid layer (not fused, unlike a softmax):
// outputs outside [1e-7, 1 - 1e-7] are clamped before the log, where the
// loss is flat.
net.model @clamped_cce {
  %x = net.input_data shape [?, 1]
  %y = net.fully_connected %x units 2 activation sigmoid bias false
  net.regression %y optimizer sgd learning_rate 0.1 loss categorical_crossentropy clip_norm 0.0
}
