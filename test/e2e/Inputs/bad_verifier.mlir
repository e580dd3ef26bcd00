// Parses, but fails the verifier: softmax over a single unit.
net.model @bad_verifier {
  %x = net.input_data shape [?, 2]
  %h = net.fully_connected %x units 3 activation tanh
  %y = net.fully_connected %h units 1 activation softmax
  net.regression %y optimizer sgd learning_rate 2.0 loss mean_square
}
