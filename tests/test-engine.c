/* test-engine.c
 *
 * Copyright 2026 The OSAIS Studio authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "OsaisTestEngine"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>

#include "osais-core.h"
#include "osais-test-utils.h"

/* The isolated config dir of each test (G_TEST_OPTION_ISOLATE_DIRS) is
 * empty, so this loads exactly the bundled engines. */
static OsaisEngine *
load_engine (const char *name)
{
  g_autoptr(GListModel) engines = NULL;
  g_autoptr(GPtrArray) warnings = NULL;
  OsaisEngine *engine;

  engines = osais_engines_load (&warnings);
  g_assert_nonnull (warnings);
  g_assert_cmpuint (warnings->len, ==, 0);

  engine = osais_engines_lookup (engines, name);
  g_assert_nonnull (engine);

  return g_object_ref (engine);
}

static JsonObject *
build (OsaisEngine  *engine,
       GError      **error,
       ...)
{
  g_autoptr(GHashTable) values = g_hash_table_new (g_str_hash, g_str_equal);
  const char *key;
  va_list args;

  va_start (args, error);
  while ((key = va_arg (args, const char *)) != NULL)
    g_hash_table_insert (values, (gpointer)key, va_arg (args, char *));
  va_end (args);

  return osais_engine_build_request (engine, values, error);
}

static OsaisEngine *
engine_from_string (const char  *json,
                    GError     **error)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static (json, strlen (json));

  return osais_engine_new_from_bytes (bytes, error);
}

static void
test_engine_bundled (void)
{
  static const struct {
    const char *name;
    const char *title;
    const char *version;
    gint64      cost;
    guint       n_params;
  } expected[] = {
    { "diffusion", "diffusion", "1.2.2", 2000, 11 },
    { "gfpgan", "Face Restauration & Hi-Res", "1.0.2", 1000, 7 },
    { "ping", "ping", "1.0.5", 1, 6 },
    { "rembg", "Remove Background", "1.1.1", 3500, 4 },
  };
  g_autoptr(GListModel) engines = NULL;
  g_autoptr(GPtrArray) warnings = NULL;
  g_autoptr(OsaisEngine) rembg = NULL;
  g_autoptr(OsaisEngine) diffusion = NULL;
  const OsaisEngineParam *param;

  engines = osais_engines_load (&warnings);
  g_assert_cmpuint (warnings->len, ==, 0);
  g_assert_true (g_list_model_get_item_type (engines) == OSAIS_TYPE_ENGINE);
  g_assert_cmpuint (g_list_model_get_n_items (engines), ==, G_N_ELEMENTS (expected));

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr(OsaisEngine) engine = g_list_model_get_item (engines, i);
      g_autofree char *title = NULL;
      gint64 cost;

      /* Sorted by name, ids from "engine" else "name". */
      g_assert_cmpstr (osais_engine_get_name (engine), ==, expected[i].name);
      g_assert_cmpstr (osais_engine_get_title (engine), ==, expected[i].title);
      g_assert_cmpstr (osais_engine_get_version (engine), ==, expected[i].version);
      g_assert_cmpint (osais_engine_get_default_cost (engine), ==, expected[i].cost);
      g_assert_cmpuint (osais_engine_get_n_params (engine), ==, expected[i].n_params);
      g_assert_true (osais_engines_lookup (engines, expected[i].name) == engine);

      g_object_get (engine, "title", &title, "default-cost", &cost, NULL);
      g_assert_cmpstr (title, ==, expected[i].title);
      g_assert_cmpint (cost, ==, expected[i].cost);
    }

  g_assert_null (osais_engines_lookup (engines, "sdxl"));

  /* rembg writes its defaults as "value": {"default": …}. */
  rembg = g_object_ref (osais_engines_lookup (engines, "rembg"));
  param = osais_engine_find_param (rembg, "output");
  g_assert_nonnull (param);
  g_assert_cmpint (param->type, ==, OSAIS_PARAM_TYPE_FUNCTION);
  g_assert_cmpstr (json_node_get_string (param->default_value), ==, "$output_uid.png");
  g_assert_false (param->sent);
  param = osais_engine_find_param (rembg, "idir");
  g_assert_cmpstr (json_node_get_string (param->default_value), ==, "./_input/");
  g_assert_false (param->sent);
  param = osais_engine_find_param (rembg, "url_upload");
  g_assert_true (param->mandatory);
  g_assert_null (param->default_value);
  g_assert_true (param->sent);

  /* diffusion writes them as "default": …, typed as the param. */
  diffusion = g_object_ref (osais_engines_lookup (engines, "diffusion"));
  param = osais_engine_find_param (diffusion, "steps");
  g_assert_cmpint (param->type, ==, OSAIS_PARAM_TYPE_INT);
  g_assert_cmpint (json_node_get_value_type (param->default_value), ==, G_TYPE_INT64);
  g_assert_cmpint (json_node_get_int (param->default_value), ==, 20);
  param = osais_engine_find_param (diffusion, "guidance");
  g_assert_cmpint (json_node_get_value_type (param->default_value), ==, G_TYPE_DOUBLE);
  g_assert_cmpfloat (json_node_get_double (param->default_value), ==, 7.5);
  param = osais_engine_find_param (diffusion, "seed");
  g_assert_cmpstr (json_node_get_string (param->default_value), ==, "$random");
  g_assert_true (param->sent);
  g_assert_false (osais_engine_find_param (diffusion, "model")->sent);
  g_assert_false (osais_engine_find_param (diffusion, "output")->sent);
  g_assert_true (osais_engine_find_param (diffusion, "height")->sent);
  g_assert_null (osais_engine_find_param (diffusion, "nope"));
}

static void
test_engine_widgets (void)
{
  g_autoptr(OsaisEngine) diffusion = load_engine ("diffusion");
  g_autoptr(OsaisEngine) rembg = load_engine ("rembg");
  g_autoptr(OsaisEngine) gfpgan = load_engine ("gfpgan");
  g_autoptr(OsaisEngine) ping = load_engine ("ping");
  g_autofree char *steps_allowed = NULL;
  const OsaisEngineParam *param;

  param = osais_engine_find_param (diffusion, "word");
  g_assert_cmpint (param->widget, ==, OSAIS_PARAM_WIDGET_EDIT);
  g_assert_cmpstr (param->title, ==, "Input (Text and/or Image)");
  g_assert_cmpstr (param->placeholder, ==, "eg: gold coin from rome 100 BC, full size");
  g_assert_true (param->mandatory);

  param = osais_engine_find_param (diffusion, "steps");
  g_assert_cmpint (param->widget, ==, OSAIS_PARAM_WIDGET_RANGE_SLIDER);
  g_assert_true (param->has_range);
  g_assert_cmpfloat (param->min, ==, 1);
  g_assert_cmpfloat (param->max, ==, 200);
  g_assert_cmpint (param->column, ==, 1);
  g_assert_null (param->tooltip); /* published as "" */
  g_assert_false (param->display_as_percent);
  steps_allowed = osais_engine_param_describe_allowed (param);
  g_assert_cmpstr (steps_allowed, ==, "an integer from 1 to 200");

  param = osais_engine_find_param (diffusion, "guidance");
  g_assert_true (param->display_as_percent);
  g_assert_cmpfloat (param->max, ==, 12);
  g_assert_cmpstr (param->conditional_null, ==, "url_upload");
  g_assert_null (param->conditional_exist);

  param = osais_engine_find_param (diffusion, "strength");
  g_assert_cmpfloat (param->min, ==, 0);
  g_assert_cmpfloat (param->max, ==, 1);
  g_assert_cmpstr (param->conditional_exist, ==, "url_upload");

  param = osais_engine_find_param (diffusion, "width");
  g_assert_cmpint (param->widget, ==, OSAIS_PARAM_WIDGET_MULTI_TOGGLE);
  g_assert_cmpuint (param->accept_values->len, ==, 6);
  g_assert_cmpint (json_node_get_int (g_ptr_array_index (param->accept_values, 4)), ==, 640);
  g_assert_cmpuint (g_strv_length (param->accept_labels), ==, 6);
  g_assert_cmpstr (param->accept_labels[4], ==, "640x640");
  g_assert_cmpstr (param->unit, ==, "px");
  g_assert_cmpint (param->column, ==, 2);
  g_assert_nonnull (param->autofill);
  g_assert_cmpstr (param->autofill[0], ==, "height");
  g_assert_null (param->autofill[1]);

  /* A ui without a widget. */
  param = osais_engine_find_param (diffusion, "height");
  g_assert_cmpint (param->widget, ==, OSAIS_PARAM_WIDGET_NONE);
  g_assert_null (param->accept_labels);
  g_assert_cmpuint (param->accept_values->len, ==, 6);

  g_assert_cmpint (osais_engine_find_param (diffusion, "seed")->widget, ==,
                   OSAIS_PARAM_WIDGET_NONE);
  g_assert_cmpstr (osais_engine_get_input_param (diffusion)->name, ==, "url_upload");

  param = osais_engine_get_input_param (rembg);
  g_assert_nonnull (param);
  g_assert_cmpint (param->widget, ==, OSAIS_PARAM_WIDGET_SELECT_PICTURE);
  g_assert_cmpuint (g_strv_length (param->filter_ext), ==, 3);
  g_assert_cmpstr (param->filter_ext[2], ==, ".jpeg");
  g_assert_cmpuint (param->min_width, ==, 256);
  g_assert_cmpuint (param->max_width, ==, 1024);
  g_assert_cmpuint (param->min_height, ==, 256);
  g_assert_cmpuint (param->max_height, ==, 1024);
  g_assert_cmpuint (param->max_kb, ==, 1024);

  param = osais_engine_get_input_param (gfpgan);
  g_assert_true (param->has_accept_max);
  g_assert_cmpfloat (param->accept_max, ==, 2048);
  g_assert_cmpuint (param->max_kb, ==, 0);
  param = osais_engine_find_param (gfpgan, "res");
  g_assert_cmpstr (param->accept_labels[2], ==, "x4");

  /* ping's url_upload has no ui yet is its input image. */
  param = osais_engine_get_input_param (ping);
  g_assert_nonnull (param);
  g_assert_cmpstr (param->name, ==, "url_upload");
  g_assert_cmpint (param->widget, ==, OSAIS_PARAM_WIDGET_NONE);
}

static void
test_engine_unknown_widget (void)
{
  g_autoptr(OsaisEngine) engine = NULL;
  g_autoptr(GError) error = NULL;

  engine = engine_from_string ("{\"engine\": \"x\", \"params\": [{\"in\": \"a\", "
                               "\"type\": \"string\", \"ui\": {\"widget\": \"uiKnob\", "
                               "\"title\": \"A\"}}]}", &error);
  g_assert_no_error (error);
  g_assert_cmpint (osais_engine_get_param (engine, 0)->widget, ==, OSAIS_PARAM_WIDGET_NONE);
  g_assert_cmpstr (osais_engine_get_param (engine, 0)->title, ==, "A");
  g_assert_null (osais_engine_get_input_param (engine));
}

static void
test_engine_invalid_descriptor (void)
{
  static const struct {
    const char *json;
    const char *names;  /* what the message must name */
  } cases[] = {
    { "[1, 2]", "object" },
    { "not json", "JSON" },
    { "", "empty" },
    { "{\"name\": \"x\"}", "params" },
    { "{\"name\": \"x\", \"params\": {}}", "params" },
    { "{\"params\": []}", "name" },
    { "{\"name\": \"../etc\", \"params\": []}", "../etc" },
    { "{\"name\": \"x\", \"params\": [{\"type\": \"int\"}]}", "#0" },
    { "{\"name\": \"x\", \"params\": [{\"in\": \"a\", \"type\": \"int\"}, 3]}", "#1" },
    { "{\"name\": \"x\", \"params\": [{\"in\": \"steps\", \"type\": \"integer\"}]}", "steps" },
    { "{\"name\": \"x\", \"params\": [{\"in\": \"steps\"}]}", "steps" },
    { "{\"name\": \"x\", \"params\": [{\"in\": \"n\", \"type\": \"int\", \"default\": \"a\"}]}",
      "n" },
    { "{\"name\": \"x\", \"params\": [{\"in\": \"a\", \"type\": \"int\"}, "
      "{\"in\": \"a\", \"type\": \"int\"}]}", "a" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(OsaisEngine) engine = NULL;
      g_autoptr(GError) error = NULL;

      engine = engine_from_string (cases[i].json, &error);
      g_assert_null (engine);
      g_assert_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_DESCRIPTOR);
      g_test_message ("%s → %s", cases[i].json, error->message);
      g_assert_nonnull (strstr (error->message, cases[i].names));
    }
}

static void
test_engine_build_defaults (void)
{
  g_autoptr(OsaisEngine) diffusion = load_engine ("diffusion");
  g_autoptr(GHashTable) seeds = g_hash_table_new (NULL, NULL);

  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(JsonObject) body = NULL;
      g_autoptr(GError) error = NULL;
      JsonNode *seed;

      body = build (diffusion, &error, "word", "a gold coin", NULL);
      g_assert_no_error (error);
      g_assert_nonnull (body);

      g_assert_cmpstr (json_object_get_string_member (body, "word"), ==, "a gold coin");
      g_assert_cmpint (json_object_get_int_member (body, "steps"), ==, 20);
      g_assert_cmpfloat (json_object_get_double_member (body, "guidance"), ==, 7.5);
      g_assert_cmpfloat (json_object_get_double_member (body, "strength"), ==, 0.5);
      g_assert_cmpint (json_object_get_int_member (body, "width"), ==, 512);
      g_assert_cmpint (json_object_get_int_member (body, "height"), ==, 512);
      g_assert_cmpint (json_object_get_int_member (body, "cimg"), ==, 1);

      seed = json_object_get_member (body, "seed");
      g_assert_nonnull (seed);
      g_assert_cmpint (json_node_get_value_type (seed), ==, G_TYPE_INT64);
      g_assert_cmpint (json_node_get_int (seed), >, 0);
      g_assert_cmpint (json_node_get_int (seed), <=, G_MAXINT32);
      g_hash_table_add (seeds, GINT_TO_POINTER ((gint)json_node_get_int (seed)));

      /* AI-side params and an optional param without value stay out. */
      g_assert_false (json_object_has_member (body, "model"));
      g_assert_false (json_object_has_member (body, "output"));
      g_assert_false (json_object_has_member (body, "url_upload"));
      g_assert_cmpuint (json_object_get_size (body), ==, 8);
    }

  /* Twenty draws from 2^31 values are not all equal unless not random. */
  g_assert_cmpuint (g_hash_table_size (seeds), >, 1);
}

static void
test_engine_build_given_seed (void)
{
  g_autoptr(OsaisEngine) diffusion = load_engine ("diffusion");
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;

  body = build (diffusion, &error, "word", "w", "seed", "42", "url_upload",
                "https://example.org/in.png", NULL);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (body, "seed"), ==, 42);
  g_assert_cmpstr (json_object_get_string_member (body, "url_upload"), ==,
                   "https://example.org/in.png");

  g_clear_pointer (&body, json_object_unref);
  body = build (diffusion, &error, "word", "w", "seed", "lucky", NULL);
  g_assert_null (body);
  g_assert_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_VALUE);
  g_assert_nonnull (strstr (error->message, "seed"));
}

static void
test_engine_build_autofill (void)
{
  g_autoptr(OsaisEngine) diffusion = load_engine ("diffusion");
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;

  body = build (diffusion, &error, "word", "w", "width", "640", NULL);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (body, "width"), ==, 640);
  g_assert_cmpint (json_object_get_int_member (body, "height"), ==, 640);

  /* A height given itself wins over the autofill. */
  g_clear_pointer (&body, json_object_unref);
  body = build (diffusion, &error, "word", "w", "width", "640", "height", "320", NULL);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (body, "width"), ==, 640);
  g_assert_cmpint (json_object_get_int_member (body, "height"), ==, 320);
}

static void
assert_invalid_value (OsaisEngine *engine,
                      const char  *name,
                      const char  *value,
                      const char  *allowed)
{
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;

  body = build (engine, &error, "word", "w", name, value, NULL);
  g_assert_null (body);
  g_assert_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_VALUE);
  g_test_message ("%s=%s → %s", name, value, error->message);
  g_assert_nonnull (strstr (error->message, name));
  g_assert_nonnull (strstr (error->message, allowed));
}

static void
test_engine_build_invalid (void)
{
  g_autoptr(OsaisEngine) diffusion = load_engine ("diffusion");

  assert_invalid_value (diffusion, "width", "500", "320, 384, 448, 512, 640, 768");
  assert_invalid_value (diffusion, "steps", "0", "from 1 to 200");
  assert_invalid_value (diffusion, "steps", "300", "from 1 to 200");
  assert_invalid_value (diffusion, "steps", "abc", "from 1 to 200");
  assert_invalid_value (diffusion, "steps", "20.5", "an integer");
  assert_invalid_value (diffusion, "guidance", "12.5", "from 1 to 12");
  assert_invalid_value (diffusion, "guidance", "7,5", "a number");
  assert_invalid_value (diffusion, "guidance", "nan", "a number");
  assert_invalid_value (diffusion, "cimg", "5", "1, 2, 3, 4");
  /* height follows width only when not given; given, it is checked itself. */
  assert_invalid_value (diffusion, "height", "1000", "320, 384");
}

static void
test_engine_build_unknown (void)
{
  g_autoptr(OsaisEngine) diffusion = load_engine ("diffusion");
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;

  body = build (diffusion, &error, "word", "w", "foo", "1", NULL);
  g_assert_null (body);
  g_assert_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_UNKNOWN_PARAMETER);
  g_assert_nonnull (strstr (error->message, "foo"));
  g_assert_nonnull (strstr (error->message, "word, url_upload, steps"));
  g_clear_error (&error);

  /* The engine has "output", but it is the AI's to choose. */
  body = build (diffusion, &error, "word", "w", "output", "x.png", NULL);
  g_assert_null (body);
  g_assert_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_UNKNOWN_PARAMETER);
  g_assert_nonnull (strstr (error->message, "output"));
}

static void
test_engine_build_missing (void)
{
  g_autoptr(OsaisEngine) diffusion = load_engine ("diffusion");
  g_autoptr(OsaisEngine) ping = load_engine ("ping");
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;

  body = osais_engine_build_request (diffusion, NULL, &error);
  g_assert_null (body);
  g_assert_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_MISSING_PARAMETER);
  g_assert_nonnull (strstr (error->message, "word"));
  g_clear_error (&error);

  /* Blank text is no prompt. */
  body = build (diffusion, &error, "word", "  ", NULL);
  g_assert_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_MISSING_PARAMETER);
  g_assert_nonnull (strstr (error->message, "word"));
  g_clear_error (&error);

  body = build (ping, &error, "width", "64", NULL);
  g_assert_null (body);
  g_assert_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_MISSING_PARAMETER);
  g_assert_nonnull (strstr (error->message, "url_upload"));
  g_assert_nonnull (strstr (error->message, "URL of an input image"));
  g_clear_error (&error);

  body = build (ping, &error, "url_upload", "http://127.0.0.1:1/input/1", NULL);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (body, "width"), ==, 512);
  g_assert_cmpint (json_object_get_int_member (body, "height"), ==, 512);
  g_assert_cmpstr (json_object_get_string_member (body, "url_upload"), ==,
                   "http://127.0.0.1:1/input/1");
  g_assert_cmpuint (json_object_get_size (body), ==, 3);
}

static void
test_engine_build_types (void)
{
  g_autoptr(OsaisEngine) diffusion = load_engine ("diffusion");
  g_autoptr(OsaisEngine) flags = NULL;
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  body = build (diffusion, &error, "word", "w", "cimg", "3", "guidance", " 7.5 ",
                "steps", "8", NULL);
  g_assert_no_error (error);
  node = json_object_get_member (body, "cimg");
  g_assert_cmpint (json_node_get_value_type (node), ==, G_TYPE_INT64);
  g_assert_cmpint (json_node_get_int (node), ==, 3);
  node = json_object_get_member (body, "guidance");
  g_assert_cmpint (json_node_get_value_type (node), ==, G_TYPE_DOUBLE);
  g_assert_cmpfloat (json_node_get_double (node), ==, 7.5);
  g_assert_cmpint (json_object_get_int_member (body, "steps"), ==, 8);

  flags = engine_from_string ("{\"engine\": \"flags\", \"params\": ["
                              "{\"in\": \"hd\", \"type\": \"boolean\", \"default\": false,"
                              " \"ui\": {}},"
                              "{\"in\": \"scale\", \"type\": \"float\", \"default\": 2,"
                              " \"accept\": {\"$max\": 4}},"
                              "{\"in\": \"label\", \"type\": \"string\", \"default\": null}]}",
                              &error);
  g_assert_no_error (error);

  for (guint i = 0; i < 2; i++)
    {
      static const char * const truths[][2] = { { "yes", "0" }, { "TRUE", "no" } };

      g_clear_pointer (&body, json_object_unref);
      body = build (flags, &error, "hd", truths[i][0], NULL);
      g_assert_no_error (error);
      g_assert_true (json_object_get_boolean_member (body, "hd"));

      g_clear_pointer (&body, json_object_unref);
      body = build (flags, &error, "hd", truths[i][1], NULL);
      g_assert_no_error (error);
      g_assert_false (json_object_get_boolean_member (body, "hd"));
    }

  /* An integer default of a float param is sent as a float; an optional
   * param without value is left out. */
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (body, "scale")), ==,
                   G_TYPE_DOUBLE);
  g_assert_false (json_object_has_member (body, "label"));

  g_clear_pointer (&body, json_object_unref);
  body = build (flags, &error, "hd", "maybe", NULL);
  g_assert_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_VALUE);
  g_assert_nonnull (strstr (error->message, "hd"));
  g_assert_nonnull (strstr (error->message, "true or false"));
  g_clear_error (&error);

  body = build (flags, &error, "scale", "4.5", NULL);
  g_assert_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_VALUE);
  g_assert_nonnull (strstr (error->message, "scale"));
  g_assert_nonnull (strstr (error->message, "at most 4"));
  g_clear_error (&error);

  body = build (flags, &error, "label", " as typed ", NULL);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (body, "label"), ==, " as typed ");
}

static void
write_user_engine (const char *dir,
                   const char *file,
                   const char *contents)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

static void
test_engine_user_dir (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(GListModel) engines = NULL;
  g_autoptr(GPtrArray) warnings = NULL;
  static const char * const names[] = { "diffusion", "gfpgan", "ping", "rembg", "upscale" };
  OsaisEngine *ping;
  OsaisEngine *upscale;

  /* G_TEST_OPTION_ISOLATE_DIRS gives this test its own XDG_CONFIG_HOME. */
  dir = g_build_filename (g_get_user_config_dir (), "osais-studio", "engines", NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);

  write_user_engine (dir, "my-ping.json",
                     "{\"name\": \"ping\", \"version\": \"9.9.9\", \"params\": ["
                     "{\"in\": \"url_upload\", \"type\": \"string\", \"isMandatory\": true}]}");
  write_user_engine (dir, "upscale.json",
                     "{\"engine\": \"upscale\", \"name\": \"Upscaler\", \"params\": []}");
  write_user_engine (dir, "broken.json", "{\"name\": \"rembg\", \"params\": [");
  write_user_engine (dir, "notes.txt", "not a descriptor");

  engines = osais_engines_load (&warnings);

  g_assert_cmpuint (warnings->len, ==, 1);
  g_test_message ("%s", (const char *)g_ptr_array_index (warnings, 0));
  g_assert_nonnull (strstr (g_ptr_array_index (warnings, 0), "broken.json"));

  g_assert_cmpuint (g_list_model_get_n_items (engines), ==, G_N_ELEMENTS (names));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(OsaisEngine) engine = g_list_model_get_item (engines, i);

      g_assert_cmpstr (osais_engine_get_name (engine), ==, names[i]);
    }

  ping = osais_engines_lookup (engines, "ping");
  g_assert_cmpstr (osais_engine_get_version (ping), ==, "9.9.9");
  g_assert_cmpuint (osais_engine_get_n_params (ping), ==, 1);

  upscale = osais_engines_lookup (engines, "upscale");
  g_assert_nonnull (upscale);
  g_assert_cmpstr (osais_engine_get_title (upscale), ==, "Upscaler");

  /* The broken file did not take rembg away. */
  g_assert_cmpuint (osais_engine_get_n_params (osais_engines_lookup (engines, "rembg")), ==, 4);
}

/* @text as build-aux/engine-strings.py writes it for xgettext: N_("…"). */
static char *
gettext_call (const char *text)
{
  GString *str = g_string_new ("N_(\"");

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (str, '\\');
      g_string_append_c (str, *p);
    }
  g_string_append (str, "\")");

  return g_string_free (str, FALSE);
}

static gboolean
has_letter (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (g_unichar_isalpha (g_utf8_get_char (p)))
        return TRUE;
    }
  return FALSE;
}

static void
assert_listed (const char *strings,
               const char *engine,
               const char *text)
{
  g_autofree char *call = NULL;

  if (text == NULL)
    return;

  call = gettext_call (text);
  if (strstr (strings, call) == NULL)
    g_error ("“%s” of engine %s is translated when shown but is not in "
             "osais-engine-strings.h: build-aux/engine-strings.py misses it", text, engine);
}

/* The texts the engine module translates for a bundled engine are the ones
 * build-aux/engine-strings.py lists for xgettext (the engine-strings test
 * checks that list against the descriptors): a text it missed would be
 * looked up in a catalogue that cannot have it. A user's descriptor is
 * never looked up. Here, in the C locale, the getters give the descriptor's
 * own text. */
static void
test_engine_display_texts (void)
{
  g_autofree char *path = NULL;
  g_autofree char *strings = NULL;
  g_autoptr(GListModel) engines = NULL;
  g_autoptr(OsaisEngine) user = NULL;
  g_autoptr(GError) error = NULL;

  path = g_test_build_filename (G_TEST_DIST, "..", "src", "core", "engines",
                                "osais-engine-strings.h", NULL);
  g_file_get_contents (path, &strings, NULL, &error);
  g_assert_no_error (error);

  engines = osais_engines_load (NULL);
  for (guint i = 0; i < g_list_model_get_n_items (engines); i++)
    {
      g_autoptr(OsaisEngine) engine = g_list_model_get_item (engines, i);
      const char *name = osais_engine_get_name (engine);

      /* A title that is not the id is a display name. */
      if (g_strcmp0 (osais_engine_get_title (engine), name) != 0)
        assert_listed (strings, name, osais_engine_get_title (engine));
      assert_listed (strings, name, osais_engine_get_description (engine));

      for (guint j = 0; j < osais_engine_get_n_params (engine); j++)
        {
          const OsaisEngineParam *param = osais_engine_get_param (engine, j);

          g_assert_cmpstr (param->translation_domain, ==, GETTEXT_PACKAGE);
          g_assert_cmpstr (osais_engine_param_get_title (param), ==, param->title);
          g_assert_cmpstr (osais_engine_param_get_placeholder (param), ==, param->placeholder);
          g_assert_cmpstr (osais_engine_param_get_tooltip (param), ==, param->tooltip);
          g_assert_cmpstr (osais_engine_param_get_unit (param), ==, param->unit);
          assert_listed (strings, name, param->title);
          assert_listed (strings, name, param->placeholder);
          assert_listed (strings, name, param->tooltip);
          assert_listed (strings, name, param->unit);

          for (guint k = 0; param->accept_labels != NULL && param->accept_labels[k] != NULL; k++)
            {
              g_assert_cmpstr (osais_engine_param_get_choice_label (param, k), ==,
                               param->accept_labels[k]);
              if (has_letter (param->accept_labels[k]))
                assert_listed (strings, name, param->accept_labels[k]);
            }
          g_assert_null (osais_engine_param_get_choice_label (param, param->accept_values != NULL
                                                                     ? param->accept_values->len
                                                                     : 0));
        }
    }

  user = engine_from_string ("{\"engine\": \"mine\", \"name\": \"Remove Background\", "
                             "\"params\": [{\"in\": \"steps\", \"type\": \"int\", "
                             "\"ui\": {\"title\": \"Step Count\"}}]}", &error);
  g_assert_no_error (error);
  g_assert_null (osais_engine_get_param (user, 0)->translation_domain);
  g_assert_cmpstr (osais_engine_get_title (user), ==, "Remove Background");
  g_assert_cmpstr (osais_engine_param_get_title (osais_engine_get_param (user, 0)), ==,
                   "Step Count");
}

/* A PNG of @width × @height; compression 0 makes its size predictable. */
static GBytes *
png_new (int width,
         int height,
         int compression)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  g_autoptr(GError) error = NULL;
  g_autofree char *level = g_strdup_printf ("%d", compression);
  char *buffer = NULL;
  gsize size = 0;

  gdk_pixbuf_fill (pixbuf, 0x3584e4ff);
  gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &size, "png", &error, "compression", level, NULL);
  g_assert_no_error (error);

  return g_bytes_new_take (buffer, size);
}

/* rembg's uiSelectPicture: .png/.jpg/.jpeg, 256 to 1024 px a side, 1024 KB. */
static void
test_engine_check_input (void)
{
  static const guint8 webp[] = {
    'R', 'I', 'F', 'F', 18, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', 'L',
    6, 0, 0, 0, 0x2f, 0x2b, 0xc1, 0x4a, 0x00, 0x00, /* 300 × 300 */
  };
  g_autoptr(OsaisEngine) rembg = load_engine ("rembg");
  g_autoptr(OsaisEngine) none = NULL;
  g_autoptr(GBytes) good = png_new (300, 256, 9);
  g_autoptr(GBytes) small = png_new (100, 120, 9);
  g_autoptr(GBytes) wide = png_new (2000, 300, 9);
  g_autoptr(GBytes) heavy = png_new (600, 600, 0);
  g_autoptr(GBytes) webp_bytes = g_bytes_new_static (webp, sizeof webp);
  g_autoptr(GBytes) text = g_bytes_new_static ("not an image", 12);
  g_autoptr(GError) error = NULL;
  g_autofree char *heavy_kb = NULL;
  const char *content_type = NULL;
  guint width = 0;
  guint height = 0;

  g_assert_true (osais_engine_check_input (rembg, good, &content_type, &width, &height, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (content_type, ==, "image/png");
  g_assert_cmpuint (width, ==, 300);
  g_assert_cmpuint (height, ==, 256);

  /* The size is read even when a limit is not met. */
  g_assert_false (osais_engine_check_input (rembg, small, NULL, &width, &height, &error));
  g_assert_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "100×120"));
  g_assert_nonnull (strstr (error->message, "at least 256×256"));
  g_assert_cmpuint (width, ==, 100);
  g_assert_cmpuint (height, ==, 120);
  g_clear_error (&error);

  g_assert_false (osais_engine_check_input (rembg, wide, NULL, NULL, NULL, &error));
  g_assert_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "at most 1024×1024"));
  g_clear_error (&error);

  /* Rounded up to whole KB, as a %u (a G_GSIZE_FORMAT is not translatable). */
  g_assert_cmpuint (g_bytes_get_size (heavy), >, 1024 * 1024);
  heavy_kb = g_strdup_printf ("is %u KB;", (guint) ((g_bytes_get_size (heavy) + 1023) / 1024));
  g_assert_false (osais_engine_check_input (rembg, heavy, NULL, NULL, NULL, &error));
  g_assert_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_INPUT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, heavy_kb));
  g_assert_nonnull (strstr (error->message, "at most 1024 KB"));
  g_clear_error (&error);

  g_assert_false (osais_engine_check_input (rembg, webp_bytes, &content_type, NULL, NULL,
                                            &error));
  g_assert_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_INPUT);
  g_assert_cmpstr (content_type, ==, "image/webp");
  g_assert_nonnull (strstr (error->message, ".png, .jpg, .jpeg"));
  g_assert_nonnull (strstr (error->message, "webp"));
  g_clear_error (&error);

  g_assert_false (osais_engine_check_input (rembg, text, NULL, NULL, NULL, &error));
  g_assert_error (error, OSAIS_IMAGE_CHECK_ERROR, OSAIS_IMAGE_CHECK_ERROR_UNSUPPORTED);
  g_clear_error (&error);

  none = engine_from_string ("{\"engine\": \"words\", \"params\": [{\"in\": \"word\", "
                             "\"type\": \"string\"}]}", &error);
  g_assert_no_error (error);
  g_assert_false (osais_engine_check_input (none, good, NULL, NULL, NULL, &error));
  g_assert_error (error, OSAIS_ENGINE_ERROR, OSAIS_ENGINE_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "takes no input image"));
}

/* The bundled engines' field titles, shown as row and group titles, follow
 * the HIG's header capitalization like the rest of the window ("Guidance
 * scale" beside "Step Count" did not). */
static void
test_engine_titles_capitalized (void)
{
  g_autoptr(GListModel) engines = osais_engines_load (NULL);

  g_assert_true (osais_test_is_header_capitalized ("Number of Images to Generate"));
  g_assert_false (osais_test_is_header_capitalized ("Guidance scale"));

  for (guint i = 0; i < g_list_model_get_n_items (engines); i++)
    {
      g_autoptr(OsaisEngine) engine = g_list_model_get_item (engines, i);

      for (guint j = 0; j < osais_engine_get_n_params (engine); j++)
        {
          const OsaisEngineParam *param = osais_engine_get_param (engine, j);

          if (param->title == NULL)
            continue;
          g_test_message ("%s: %s", osais_engine_get_name (engine), param->title);
          g_assert_true (osais_test_is_header_capitalized (param->title));
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/Osais/Engine/bundled", test_engine_bundled);
  g_test_add_func ("/Osais/Engine/widgets", test_engine_widgets);
  g_test_add_func ("/Osais/Engine/unknown-widget", test_engine_unknown_widget);
  g_test_add_func ("/Osais/Engine/invalid-descriptor", test_engine_invalid_descriptor);
  g_test_add_func ("/Osais/Engine/build-defaults", test_engine_build_defaults);
  g_test_add_func ("/Osais/Engine/build-given-seed", test_engine_build_given_seed);
  g_test_add_func ("/Osais/Engine/build-autofill", test_engine_build_autofill);
  g_test_add_func ("/Osais/Engine/build-invalid", test_engine_build_invalid);
  g_test_add_func ("/Osais/Engine/build-unknown", test_engine_build_unknown);
  g_test_add_func ("/Osais/Engine/build-missing", test_engine_build_missing);
  g_test_add_func ("/Osais/Engine/build-types", test_engine_build_types);
  g_test_add_func ("/Osais/Engine/user-dir", test_engine_user_dir);
  g_test_add_func ("/Osais/Engine/check-input", test_engine_check_input);
  g_test_add_func ("/Osais/Engine/display-texts", test_engine_display_texts);
  g_test_add_func ("/Osais/Engine/titles-capitalized", test_engine_titles_capitalized);

  return g_test_run ();
}
