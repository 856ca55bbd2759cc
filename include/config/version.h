/* The release this binary is. */
#ifndef LR_CONFIG_VERSION_H
#define LR_CONFIG_VERSION_H

#define LR_VERSION "0.2.0"

#endif
