// Initialiser check: one layer per weights_init kind; the first is an
// MNIST-sized layer with TFLearn's default (truncated_normal, stddev 0.02)
// for the statistics. (Shapes with a contraction of 64 or less, fully
// unrolled by the vectorizer, are avoided: they compile slowly.)
net.model @init_check {
  %x = net.input_data shape [?, 784]
  %h1 = net.fully_connected %x units 512 activation relu
  %h2 = net.fully_connected %h1 units 96 weights_init uniform init_range [-0.5, 0.25]
  %h3 = net.fully_connected %h2 units 80 weights_init normal stddev 0.1
  %h4 = net.fully_connected %h3 units 16 weights_init xavier
  %h5 = net.fully_connected %h4 units 8 weights_init uniform_scaling
  %y = net.fully_connected %h5 units 4 weights_init zeros
  net.regression %y optimizer sgd learning_rate 0.1 loss mean_square
}
