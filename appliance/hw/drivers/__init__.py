"""Panel drivers behind one interface (base.Driver), chosen by choose.make_driver."""
