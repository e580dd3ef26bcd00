// The tutorial network without dropout (compare with cnn_dropout.mlir): three
// conv layers in two conv/pool stages, a 512-unit layer, softmax.
//
// Data: the CIFAR-10 JPEG folders (train/ and test/) at ../shared/data/cifar10
// from the repository root; TFLearn's featurewise zero-center and std-norm,
// random left-right flips, batch 96, as the tutorial trains it:
//
//   dlc compile examples/cifar10/cnn_no_dropout.mlir -o cnn_no_dropout.so
//   dlc train cnn_no_dropout.so --data imagefolder:../shared/data/cifar10 \
//     --validation test --epochs 20 --batch-size 96 \
//     --preprocess featurewise_zero_center,featurewise_stdnorm \
//     --augment flip_leftright
net.model @cifar_no_dropout {
  %x  = net.input_data shape [?, 32, 32, 3]
  %c1 = net.conv_2d %x filters 32 size 3 activation relu
  %p1 = net.max_pool_2d %c1 size 2
  %c2 = net.conv_2d %p1 filters 64 size 3 activation relu
  %c3 = net.conv_2d %c2 filters 64 size 3 activation relu
  %p2 = net.max_pool_2d %c3 size 2
  %f1 = net.fully_connected %p2 units 512 activation relu
  %f2 = net.fully_connected %f1 units 10 activation softmax
  net.regression %f2 optimizer adam learning_rate 0.001 loss categorical_crossentropy
}
