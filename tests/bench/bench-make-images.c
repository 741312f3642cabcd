/* bench-make-images.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisBench"

#include <gdk-pixbuf/gdk-pixbuf.h>

/* Writes COUNT distinct 512×512 noisy PNGs, noise-NNN.png, into DIR: the
 * images tests/bench/run uploads. Each channel takes one of 32 random levels,
 * so deflate cannot do much better than 5 bits a byte: a file is about
 * 500 KB, like a generated image, and costs what one costs to move. */

#define IMAGE_SIZE 512

static gboolean
write_noise_png (const char  *path,
                 guint32      seed,
                 GError     **error)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GRand) rand = NULL;
  guchar *pixels;
  int rowstride;

  pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, IMAGE_SIZE, IMAGE_SIZE);
  rand = g_rand_new_with_seed (seed);
  pixels = gdk_pixbuf_get_pixels (pixbuf);
  rowstride = gdk_pixbuf_get_rowstride (pixbuf);

  for (int y = 0; y < IMAGE_SIZE; y++)
    for (int x = 0; x < IMAGE_SIZE * 3; x++)
      pixels[y * rowstride + x] = (guchar) (g_rand_int_range (rand, 0, 32) * 8);

  return gdk_pixbuf_save (pixbuf, path, "png", error, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  guint64 count = 0;

  if (argc != 3 || !g_ascii_string_to_unsigned (argv[2], 10, 1, 1000, &count, NULL))
    {
      g_printerr ("usage: bench-make-images DIR COUNT (1..1000)\n");
      return 2;
    }

  if (g_mkdir_with_parents (argv[1], 0700) != 0)
    {
      g_printerr ("bench-make-images: cannot create %s\n", argv[1]);
      return 1;
    }

  for (guint i = 0; i < count; i++)
    {
      g_autofree char *name = g_strdup_printf ("noise-%03u.png", i);
      g_autofree char *path = g_build_filename (argv[1], name, NULL);

      if (!write_noise_png (path, 0x05a15 + i, &error))
        {
          g_printerr ("bench-make-images: %s: %s\n", path, error->message);
          return 1;
        }
    }

  return 0;
}
