// Batch normalization right after the input, so the batch statistics are
// the input's (BatchNormTest.cpp); clipping is active.
net.model @bn_input_sgd {
  %x = net.input_data shape [?, 2, 2, 3]
  %n = net.batch_normalization %x epsilon 1.0e-3 decay 0.8 gamma 1.5 beta 0.25 stddev 0.1
  %y = net.fully_connected %n units 2
  net.regression %y optimizer sgd learning_rate 0.1 loss mean_square clip_norm 0.5
}
