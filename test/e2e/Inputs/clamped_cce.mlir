// categorical_crossentropy on a sigmoid layer (not fused, unlike a softmax):
// TFLearn's, each row divided by its sum and clipped to [1e-10, 1 - 1e-10]
// before the log, where the loss is flat.
net.model @clamped_cce {
  %x = net.input_data shape [?, 1]
  %y = net.fully_connected %x units 2 activation sigmoid bias false
  net.regression %y optimizer sgd learning_rate 0.1 loss categorical_crossentropy clip_norm 0.0
}
