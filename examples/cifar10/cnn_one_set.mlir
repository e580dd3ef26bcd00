// The tutorial's one-layer-set network: a single conv/pool stage before the
// 512-unit layer, dropout and softmax (compare with cnn_dropout.mlir).
//
// Data: the CIFAR-10 JPEG folders (train/ and test/) at ../shared/data/cifar10
// from the repository root; TFLearn's featurewise zero-center and std-norm,
// random left-right flips, batch 96, as the tutorial trains it:
//
//   dlc compile examples/cifar10/cnn_one_set.mlir -o cnn_one_set.so
//   dlc train cnn_one_set.so --data imagefolder:../shared/data/cifar10 \
//     --validation test --epochs 20 --batch-size 96 \
//     --preprocess featurewise_zero_center,featurewise_stdnorm \
//     --augment flip_leftright
net.model @cifar_one_set {
  %x  = net.input_data shape [?, 32, 32, 3]
  %c1 = net.conv_2d %x filters 32 size 3 activation relu
  %p1 = net.max_pool_2d %c1 size 2
  %f1 = net.fully_connected %p1 units 512 activation relu
  %d1 = net.dropout %f1 keep 0.5
  %f2 = net.fully_connected %d1 units 10 activation softmax
  net.regression %f2 optimizer adam learning_rate 0.001 loss categorical_crossentropy
}
