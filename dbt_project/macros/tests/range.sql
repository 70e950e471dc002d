{#- Values must lie within [min_value, max_value] (either bound may be omitted); nulls pass, as in not_null's
    absence. Usage: data_tests: [{lakehouse.range: {min_value: 0, max_value: 1}}] -#}
{% test range(model, column_name, min_value=none, max_value=none) %}
  select {{ column_name }} as out_of_range
  from {{ model }}
  where {{ column_name }} is not null
    and (
      {%- if min_value is not none %} {{ column_name }} < {{ min_value }}{% else %} false{% endif %}
      or
      {%- if max_value is not none %} {{ column_name }} > {{ max_value }}{% else %} false{% endif %}
    )
{% endtest %}
