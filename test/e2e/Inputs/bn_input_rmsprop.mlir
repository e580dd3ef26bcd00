// Batch normalization right after the input, trained by rmsprop
// (BatchNormTest.cpp).
net.model @bn_input_rmsprop {
  %x = net.input_data shape [?, 2, 2, 3]
  %n = net.batch_normalization %x
  %y = net.fully_connected %n units 2
  net.regression %y optimizer rmsprop learning_rate 0.01 loss mean_square
}
