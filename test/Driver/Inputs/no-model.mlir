// A valid file without a network.
func.func @f() {
  return
}
