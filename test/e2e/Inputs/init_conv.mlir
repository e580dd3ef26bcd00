// Initialiser limits of convolution filters [kh, kw, in, out]: TensorFlow's
// xavier (variance scaling, FAN_AVG) counts the receptive field in both
// fans, fan_in = kh*kw*in and fan_out = kh*kw*out; uniform_scaling (the
// conv default) uses fan_in only.
net.model @init_conv {
  %x = net.input_data shape [?, 8, 8, 4]
  %c1 = net.conv_2d %x filters 6 size 3 weights_init xavier
  %c2 = net.conv_2d %c1 filters 5 size 3
  %y = net.fully_connected %c2 units 2
  net.regression %y optimizer sgd learning_rate 0.1 loss mean_square
}
