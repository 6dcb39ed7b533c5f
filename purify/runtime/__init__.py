"""What a decorated class is at run time. Only this package imports JAX."""
