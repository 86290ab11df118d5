// placeholder so the library has a source until its real files land
