// Gradient check on shapes past the kernels' tiles: 70 inputs (> 64, so the
// contraction's K is tiled), 37 units (tiles of 32 plus a tail of 5).
net.model @grad_wide {
  %x = net.input_data shape [?, 70]
  %h = net.fully_connected %x units 37 activation tanh
  %y = net.fully_connected %h units 3 activation softmax
  net.regression %y optimizer sgd learning_rate 0.1 loss categorical_crossentropy
}
